CREATE SEQUENCE public.ticket_seq AS bigint INCREMENT BY 5 START 100 CACHE 10;
CREATE SEQUENCE public.small_seq AS smallint MAXVALUE 1000 CYCLE;
CREATE SEQUENCE public.new_seq AS integer MINVALUE -10 START -10;
CREATE UNLOGGED SEQUENCE public.fast_seq;
CREATE TABLE public.ticket (id bigint DEFAULT nextval('public.ticket_seq'));
