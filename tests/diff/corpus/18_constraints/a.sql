CREATE TABLE public.room (id int PRIMARY KEY, name text UNIQUE, capacity int CHECK (capacity > 0));
CREATE TABLE public.booking (id int, room_id int, during tstzrange);
