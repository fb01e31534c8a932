CREATE SCHEMA api;
CREATE TABLE api.thing (id int, secret text);
GRANT SELECT, INSERT ON api.thing TO diff_writer;
CREATE SEQUENCE api.thing_seq;
CREATE FUNCTION api.ping() RETURNS text LANGUAGE sql AS $$ SELECT 'pong' $$;
GRANT SELECT (secret) ON api.thing TO diff_reader;
CREATE TYPE api.kind AS ENUM ('a', 'b');
