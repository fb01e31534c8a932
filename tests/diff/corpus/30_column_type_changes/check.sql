SELECT code = 42 AND flag AND big = 1.3 FROM public.metric
