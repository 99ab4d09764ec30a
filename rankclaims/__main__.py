from rankclaims.reports.cli import main

raise SystemExit(main())
