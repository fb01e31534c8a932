CREATE COLLATION public.bytes (provider = libc, locale = 'C');
CREATE COLLATION public.unicode_fast (provider = builtin, locale = 'PG_UNICODE_FAST');
CREATE COLLATION public.posix_like (provider = libc, lc_collate = 'POSIX', lc_ctype = 'POSIX');
CREATE TABLE public.word (id int, w text COLLATE public.unicode_fast, code text COLLATE "POSIX", other text, label text COLLATE public.posix_like);
CREATE UNIQUE INDEX word_w_key ON public.word (w);
