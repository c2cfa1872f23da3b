from dbsage.agent.cli.app import main

main()
