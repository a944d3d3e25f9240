-- An agent's description for guests (docs/meetings.md "The guest's pages"): a few lines the
-- booking page shows under the agent's name, empty until an admin writes one.

ALTER TABLE agents ADD COLUMN description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 2000);
