SELECT (origin).x = 1 AND (origin).y = 2 FROM public.shape WHERE id = 1
