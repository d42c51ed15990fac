import sys

from transcribe_cli.main import main

sys.exit(main())
