CREATE TYPE public.old_range AS RANGE (subtype = integer);
CREATE TABLE public.msg (id int, body text, room int);
CREATE TABLE public.room (id int, name text);
CREATE TABLE public.msg_log (id int);
CREATE STATISTICS public.msg_stats (ndistinct) ON id, room FROM public.msg;
CREATE RULE msg_copy AS ON INSERT TO public.msg DO ALSO INSERT INTO public.msg_log VALUES (NEW.id);
CREATE PUBLICATION realtime FOR TABLE public.room;
CREATE PUBLICATION gone;
