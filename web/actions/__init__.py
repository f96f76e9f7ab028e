"""The use cases: every rule about who may do what, written once.

The JSON API (`web/api`), the pages (`web/pages`) and the CLI are thin adapters over these functions:
each action takes the actor and validated input, enforces its rule, and returns a record or raises a
domain error (`NotFoundError`, `ForbiddenError`, `InvalidInputError`, `ConflictError`) that each front
door translates in one place.
"""
