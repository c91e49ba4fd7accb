# Shortcuts for the scripts in scripts/ (which are what the README gives).
.PHONY: run test bench e2e app package
run:
	scripts/run.sh
test:
	scripts/test.sh
bench:
	scripts/bench.sh
e2e:
	scripts/build-app.sh && scripts/e2e.sh
app:
	scripts/build-app.sh
