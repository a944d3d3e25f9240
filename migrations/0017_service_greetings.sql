-- A service's greeting per language (docs/widget.md "Languages"): a JSON object from language
-- code (en, fr, de, es, it) to text, empty until an admin sets one; the widget and the service
-- page fall back to English, then to their built-in greeting.

ALTER TABLE services ADD COLUMN greetings TEXT NOT NULL DEFAULT '{}';
