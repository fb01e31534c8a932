CREATE EXTENSION hstore VERSION '1.7';
CREATE EXTENSION pg_trgm;
CREATE TABLE public.doc (id int, attrs public.hstore);
