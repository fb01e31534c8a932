CREATE SEQUENCE public.ticket_seq AS integer;
CREATE SEQUENCE public.small_seq AS bigint MAXVALUE 1000;
CREATE SEQUENCE public.gone_seq;
CREATE TABLE public.ticket (id integer DEFAULT nextval('public.ticket_seq'));
