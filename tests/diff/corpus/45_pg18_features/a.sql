CREATE EXTENSION btree_gist;
CREATE TABLE public.account (id int PRIMARY KEY);
CREATE TABLE public.booking (id int, account_id int, during tstzrange, qty int);
