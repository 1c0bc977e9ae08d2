// Module TOML: see README 'Code map'.
