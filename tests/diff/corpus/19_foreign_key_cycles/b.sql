CREATE TABLE public.dept (id int PRIMARY KEY, name text, manager_id int);
CREATE TABLE public.emp (id int PRIMARY KEY, dept_id int NOT NULL REFERENCES public.dept (id) DEFERRABLE INITIALLY DEFERRED, boss_id int REFERENCES public.emp (id));
ALTER TABLE public.dept ADD CONSTRAINT dept_manager_fk FOREIGN KEY (manager_id) REFERENCES public.emp (id);
