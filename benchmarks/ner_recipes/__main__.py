from benchmarks.ner_recipes.cli import main

main()
