CREATE COLLATION public.sortkey (provider = builtin, locale = 'C.UTF-8');
CREATE DOMAIN public.label AS text COLLATE public.sortkey;
CREATE TABLE public.tag (name text COLLATE public.sortkey, l public.label);
CREATE INDEX tag_name_idx ON public.tag (name);
