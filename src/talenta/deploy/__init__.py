"""Production-shaped deployment: docker-compose secrets, the Celery topology without Docker, REST client, pools.

``docker-compose.yaml`` at the project root is the deployment for machines with a Docker engine;
:mod:`talenta.deploy.topology` starts the same services as plain processes on this machine (its real Redis and
PostgreSQL), and ``tests/deploy/test_compose_honest.py`` keeps the two in agreement.
"""
