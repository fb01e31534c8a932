CREATE COLLATION public.bytes (provider = libc, locale = 'C');
CREATE TABLE public.word (id int, w text, code text COLLATE "C", other text COLLATE public.bytes);
