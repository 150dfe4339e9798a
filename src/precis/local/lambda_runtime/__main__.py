"""`python -m precis.local.lambda_runtime CONFIG_JSON`: one function execution environment of the stack."""

from precis.local.lambda_runtime.worker import main

main()
