from benchmarks.speed.cli import main

main()
