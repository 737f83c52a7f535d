.PHONY: run test lint unit web train nlu core e2e shell interactive cluster
# Run the assistant: set up, train if needed, start every server, serve the web page.
run:
	bash scripts/run.sh
# Run every test and evaluation gate (what CI runs), quickest failures first.
test:
	bash scripts/test.sh
# One part of `make test` at a time.
lint unit web train nlu core e2e:
	bash scripts/test.sh $@
# Talk to the trained model in the terminal, or teach it by example (rasa interactive),
# with the action server started beside it.
shell interactive:
	bash scripts/rasa_cli.sh $@
# Run several instances sharing PostgreSQL and Redis behind nginx (README: Running several instances).
cluster:
	bash scripts/cluster.sh
