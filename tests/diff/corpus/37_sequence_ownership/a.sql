CREATE TABLE public.a (id serial, v text);
CREATE TABLE public.b (id int);
CREATE SEQUENCE public.shared_seq;
