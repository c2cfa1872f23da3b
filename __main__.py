from dbsage.agent.cli import main

main()
