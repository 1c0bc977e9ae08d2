// Module DisputeService: see README 'Code map'.
