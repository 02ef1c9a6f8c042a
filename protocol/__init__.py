"""Wire schema shared by the Fieldbook client and server. Depends on nothing else of ours."""
