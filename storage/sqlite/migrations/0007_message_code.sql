-- What a system message says, as a code clients translate.
ALTER TABLE messages ADD COLUMN code TEXT NOT NULL DEFAULT '';
