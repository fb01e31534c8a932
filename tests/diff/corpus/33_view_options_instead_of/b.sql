CREATE TABLE public.note (id int PRIMARY KEY, body text, hidden boolean DEFAULT false);
CREATE VIEW public.visible_note WITH (security_invoker = true) AS SELECT id, body FROM public.note WHERE NOT hidden WITH LOCAL CHECK OPTION;
CREATE VIEW public.note_summary AS SELECT count(*) AS n FROM public.note;
CREATE FUNCTION public.note_summary_ins() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER note_summary_ins INSTEAD OF INSERT ON public.note_summary FOR EACH ROW EXECUTE FUNCTION public.note_summary_ins();
