SELECT total = 6 AND doubled = 4 FROM public.line
