CREATE TABLE public.person (
    id int CONSTRAINT person_id_required NOT NULL,
    name text NOT NULL,
    nick text CONSTRAINT nick_nn NOT NULL,
    email text
);
CREATE TABLE public.parent (a int CONSTRAINT a_nn NOT NULL);
CREATE TABLE public.child () INHERITS (public.parent);
