"""Pure rules and value types of the CRM: validation, read models and analyses.

Nothing here touches a database, Qt or the network, so every rule is tested on plain values.
"""
