CREATE TABLE public.note (id int PRIMARY KEY, body text, hidden boolean DEFAULT false);
CREATE VIEW public.visible_note AS SELECT id, body FROM public.note WHERE NOT hidden;
