.PHONY: run test cluster
# Run the assistant: set up, train if needed, start every server, serve the web page.
run:
	bash scripts/run.sh
# Run every test and evaluation gate.
test:
	bash scripts/test.sh
# Run several instances sharing PostgreSQL and Redis behind nginx (README: Running several instances).
cluster:
	bash scripts/cluster.sh
