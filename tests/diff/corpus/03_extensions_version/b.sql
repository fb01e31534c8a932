CREATE EXTENSION hstore VERSION '1.8';
CREATE EXTENSION citext;
CREATE TABLE public.doc (id int, attrs public.hstore, title public.citext);
CREATE INDEX doc_title_idx ON public.doc (title);
