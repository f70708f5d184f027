from pickrt.cli import main

raise SystemExit(main())
