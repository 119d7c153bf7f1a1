from pmledger.cli import main

main()
