mod real_haproxy;
