"""chatrec's evaluations and benchmarks, outside the product: offline (RecBole's protocol),
simulated chat, NLU, the speed/memory/scale benches and the report.

Installed with the product's wheel; its own dependencies are the ``[eval]`` extra. It uses only
chatrec's public names, and ``chatrec eval …`` / ``chatrec bench …`` reach it through the
``chatrec.commands`` entry points (`chatrec_eval.cli`).
"""
