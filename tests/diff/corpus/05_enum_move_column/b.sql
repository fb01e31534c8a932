CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE public.feeling AS ENUM ('sad', 'ok', 'happy', 'ecstatic');
CREATE TABLE public.person (id int, current public.feeling DEFAULT 'ok', history public.feeling[]);
CREATE VIEW public.happy_people AS SELECT id FROM public.person WHERE current = 'happy';
