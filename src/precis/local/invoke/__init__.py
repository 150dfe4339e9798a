"""`precis local invoke`: one invocation of a template's function in a fresh process, as Lambda runs it.

The function runs under AWS's own runtime interface client (`awslambdaric`), which talks to a small
Lambda Runtime API served here (`runtime_api`), so the context object, the logging and the error
format are production's. `function` builds what the process gets from the template (handler, layers,
limits, environment, with SAM's env-vars file), `process` runs it under Timeout and MemorySize and
writes Lambda's START/END/REPORT lines; `events` builds the service events and `logs` reads the local
stack's log files.
"""
