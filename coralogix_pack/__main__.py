from coralogix_pack.cli import main

main()
