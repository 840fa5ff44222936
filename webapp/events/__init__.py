"""Events of the networks: forums, open days, buyer–supplier meeting days (issue 12).

``blueprint`` holds the routes of every ``views_*`` module (imported by ``views``);
``access`` says who organises an event and for whom a person acts in it; the writes are
the services of ``organising``, ``registration``, ``meetings``, ``scheduling`` and
``day``; the solver itself is ``domain.scheduling``."""
