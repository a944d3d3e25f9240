-- A service's pre-chat form (docs/widget.md "Pre-chat form"), as JSON: which of name and email
-- are asked, and the custom fields. NULL: the service never set one and asks what Doorbell
-- always asked (name required, email optional, no fields).

ALTER TABLE services ADD COLUMN prechat TEXT;
