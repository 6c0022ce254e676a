/* `phone-sim fleet`: many simulated phones booting from one process. */
#ifndef TL_FLEET_H
#define TL_FLEET_H

/* The command, argv[0] being "fleet"; returns its exit status. */
int tl_fleet_cmd(int argc, char **argv);

#endif
