CREATE TABLE public.vehicle (id int NOT NULL, make text, CHECK (id > 0));
CREATE TABLE public.car (doors int) INHERITS (public.vehicle);
CREATE TABLE public.bike (id int NOT NULL, make text, gears int);
CREATE TABLE public.boat (id int NOT NULL, make text, sails int) INHERITS (public.vehicle);
