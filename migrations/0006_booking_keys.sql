-- Which agent's calendar a booking key was first sent to. The calendar itself checks a
-- replay against the meeting the key booked; this table lets a key replayed at another
-- agent be refused too, so a key always names one booking request.

CREATE TABLE booking_keys (
  key        TEXT PRIMARY KEY,
  agent_id   TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
