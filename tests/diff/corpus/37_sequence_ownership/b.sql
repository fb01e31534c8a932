CREATE SEQUENCE public.shared_seq;
CREATE TABLE public.a (id int, v text);
CREATE TABLE public.b (id int DEFAULT nextval('public.shared_seq'));
ALTER SEQUENCE public.shared_seq OWNED BY public.b.id;
