CREATE TABLE public.person (
    id int CONSTRAINT person_id_nn NOT NULL,
    name text CONSTRAINT name_present NOT NULL,
    nick text,
    email text CONSTRAINT email_nn NOT NULL NO INHERIT
);
CREATE TABLE public.parent (a int CONSTRAINT a_nn NOT NULL, b int CONSTRAINT b_nn NOT NULL);
CREATE TABLE public.child () INHERITS (public.parent);
