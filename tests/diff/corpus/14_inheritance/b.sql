CREATE TABLE public.vehicle (id int NOT NULL, make text, model text, CHECK (id > 0));
CREATE TABLE public.car (doors int) INHERITS (public.vehicle);
CREATE TABLE public.bike (gears int) INHERITS (public.vehicle);
CREATE TABLE public.boat (id int NOT NULL, make text, model text, sails int);
CREATE TABLE public.truck (axles int NOT NULL) INHERITS (public.vehicle);
