CREATE COLLATION public.sortkey (provider = libc, locale = 'C');
CREATE DOMAIN public.label AS text COLLATE public.sortkey;
CREATE TABLE public.tag (name text COLLATE public.sortkey, l public.label);
CREATE INDEX tag_name_idx ON public.tag (name);
INSERT INTO public.tag VALUES ('b', 'x'), ('a', 'y');
