"""The catalog of AWS types: its generator (``generate``) and the Go source reader it uses
(``gosource``). The catalog itself is data, in ``components/shared/catalog.json``."""
