CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE public.feeling AS ENUM ('sad', 'ok', 'happy', 'ecstatic');
CREATE TABLE public.person (id int, current public.mood DEFAULT 'ok', history public.mood[]);
CREATE VIEW public.happy_people AS SELECT id FROM public.person WHERE current = 'happy';
INSERT INTO public.person VALUES (1, 'sad', '{ok,happy}');
